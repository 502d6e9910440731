require "fileinto";
if header :matches "subject" "*\\$\\$\\$" { fileinto "Dollars"; }
if header :matches "subject" "*\\?*" { fileinto "Question"; }
