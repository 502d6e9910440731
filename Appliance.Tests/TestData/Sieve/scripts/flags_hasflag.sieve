require ["imap4flags", "fileinto"];
addflag "urgent";
if hasflag :is "URGENT" { fileinto "Urgent"; }
