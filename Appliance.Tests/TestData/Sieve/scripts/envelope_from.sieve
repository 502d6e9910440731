require ["envelope", "fileinto"];
if envelope :domain :is "from" "lists.example.org" { fileinto "ListBounce"; }
if envelope :localpart :contains "from" "bounces" { fileinto "Bounces"; }
