require ["body", "fileinto"];
if body :contains "prize" { fileinto "Prize"; }
