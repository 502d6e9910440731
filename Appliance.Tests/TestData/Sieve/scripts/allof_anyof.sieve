require "fileinto";
if allof (address :domain :is "from" "example.org", anyof (header :contains "subject" "hello", header :contains "subject" "meeting")) { fileinto "Both"; }
