require "fileinto";
if address :contains "from" "Alice Example" { fileinto "Display"; } else { fileinto "NoDisplay"; }
