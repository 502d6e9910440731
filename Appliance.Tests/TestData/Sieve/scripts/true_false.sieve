require "fileinto";
if false { fileinto "Never"; }
if true { fileinto "Always"; }
