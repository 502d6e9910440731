require ["body", "fileinto"];
if body :text :contains "quarterly report attached. Secret" { fileinto "HtmlText"; }
