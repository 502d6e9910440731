require ["variables", "fileinto"];
if header :matches "subject" "*" { set :length "n" "${1}"; }
if string :value "gt" :comparator "i;ascii-numeric" "${n}" "20" { fileinto "LongSubject"; }
