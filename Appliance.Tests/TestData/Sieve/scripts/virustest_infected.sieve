require ["virustest", "relational", "comparator-i;ascii-numeric", "fileinto"];
if virustest :value "ge" :comparator "i;ascii-numeric" "4" { fileinto "Virus"; }
elsif virustest :value "eq" :comparator "i;ascii-numeric" "1" { fileinto "Clean"; }
