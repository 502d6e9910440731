require "fileinto";
if address :domain :is "from" ["example.org", "example.net"] {
  if header :contains "subject" "report" { fileinto "Work/Reports"; }
  elsif header :contains "subject" "hello" { fileinto "Work/Hello"; stop; }
  fileinto "Work";
}
