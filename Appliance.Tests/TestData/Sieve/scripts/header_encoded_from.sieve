require "fileinto";
if header :contains "from" "Jürgen" { fileinto "Juergen"; }
