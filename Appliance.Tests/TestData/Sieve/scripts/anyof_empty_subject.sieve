if anyof (not exists "subject", header :is "subject" "") { discard; }
elsif not address :is "from" "" { keep; }
