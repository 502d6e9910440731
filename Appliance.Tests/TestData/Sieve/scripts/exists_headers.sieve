require "fileinto";
if exists ["List-Id", "List-Unsubscribe"] { fileinto "Lists"; }
if exists "X-Priority" { fileinto "Priority"; }
