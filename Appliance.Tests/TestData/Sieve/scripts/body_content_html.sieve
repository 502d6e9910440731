require ["body", "fileinto"];
if body :content "text/html" :contains "Secret code" { fileinto "Html"; }
