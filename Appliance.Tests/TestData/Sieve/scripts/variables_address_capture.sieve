require ["variables", "fileinto"];
if address :matches "from" "*@*" { fileinto "From/${2}/${1}"; }
