require ["relational", "fileinto"];
if header :value "lt" "subject" "M" { fileinto "Early"; }
