require ["envelope", "fileinto", "relational", "comparator-i;ascii-numeric"];
if envelope :count "eq" :comparator "i;ascii-numeric" "to" "1" { fileinto "OneRecipient"; }
