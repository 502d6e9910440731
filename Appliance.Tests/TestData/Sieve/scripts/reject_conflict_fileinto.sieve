require ["reject", "fileinto"];
if header :contains "subject" "money" { fileinto "Spam"; reject "Go away."; }
