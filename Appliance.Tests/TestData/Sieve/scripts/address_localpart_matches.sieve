require "fileinto";
if address :localpart :matches "to" "eve+*" { fileinto "Plus"; }
