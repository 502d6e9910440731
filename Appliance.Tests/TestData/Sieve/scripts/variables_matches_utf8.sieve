require ["variables", "fileinto"];
if header :matches "subject" "Gr??e *" { fileinto "Utf8/${3}"; }
