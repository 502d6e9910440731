require "fileinto"; /* bracket
 comment */
# hash comment
if header :contains "subject" text:
Dinner
.
{ fileinto "Social"; }
