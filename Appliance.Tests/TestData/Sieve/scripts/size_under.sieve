require "fileinto";
if size :under 500 { fileinto "Small"; } elsif size :over 1M { fileinto "Huge"; } else { fileinto "Medium"; }
