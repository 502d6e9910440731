require "fileinto";
if address :is "from" "alice@example.org" { fileinto "Alice"; }
