require ["variables", "fileinto"];
set :quotewildcard "pat" "WIN*";
if header :matches "subject" "${pat}" { fileinto "Literal"; } else { fileinto "NotLiteral"; }
