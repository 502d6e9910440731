require "reject";
if header :contains "subject" "money" { discard; reject "Go away."; }
