require "fileinto";
if header :contains ["X-Mailer", "User-Agent"] ["mailer", "thunderbird"] { fileinto "Mailers"; }
