require ["imap4flags", "fileinto", "variables"];
set "f" "\\Seen";
addflag "${f}";
if header :contains "subject" "report" { fileinto "R"; stop; }
removeflag "\\seen";
