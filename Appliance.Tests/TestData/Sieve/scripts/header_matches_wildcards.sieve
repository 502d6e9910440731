require "fileinto";
if header :matches "subject" "*[announce]*" { fileinto "Lists"; }
elsif header :matches "subject" "W?N *" { fileinto "Win"; }
