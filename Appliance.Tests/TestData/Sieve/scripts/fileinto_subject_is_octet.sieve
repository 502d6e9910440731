require "fileinto";
if header :is :comparator "i;octet" "Subject" "hello world" { fileinto "Hello"; } else { fileinto "Other"; }
