require "fileinto";
if header :is "Subject" "hello world" { fileinto "Hello"; }
