require ["fileinto"];
if address :all :is "to" "BOB@EXAMPLE.COM" { fileinto "Casemap"; }
if address :domain :is :comparator "i;octet" "to" "Example.COM" { fileinto "Octet"; }
