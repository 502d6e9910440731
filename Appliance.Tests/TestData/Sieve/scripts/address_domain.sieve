require "fileinto";
if address :domain :is ["to", "cc"] "example.net" { fileinto "Net"; }
