require "fileinto";
if address :domain :is "to" "example.com" { fileinto "Com"; }
