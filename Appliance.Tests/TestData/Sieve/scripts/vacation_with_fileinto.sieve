require ["vacation", "fileinto"];
if header :contains "subject" "dinner" { fileinto "Social"; }
vacation "Back soon.";
