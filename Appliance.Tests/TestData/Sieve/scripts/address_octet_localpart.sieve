require "fileinto";
if address :localpart :is :comparator "i;octet" "to" "BOB" { fileinto "Upper"; }
