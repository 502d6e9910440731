require "fileinto";
if not exists "References" { fileinto "NoRefs"; }
