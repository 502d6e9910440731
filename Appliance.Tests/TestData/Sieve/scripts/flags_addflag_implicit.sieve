require "imap4flags";
if header :contains "subject" "money" { addflag ["\\Flagged", "$Junk"]; }
