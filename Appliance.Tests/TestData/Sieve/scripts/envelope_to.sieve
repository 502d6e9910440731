require ["envelope", "fileinto"];
if envelope :all :is "to" "bob@example.com" { fileinto "ToBob"; }
