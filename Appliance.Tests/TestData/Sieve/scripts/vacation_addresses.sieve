require "vacation";
vacation :addresses ["team@example.com"] :subject "Team away" "The team is away.";
