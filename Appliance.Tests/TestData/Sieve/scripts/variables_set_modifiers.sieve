require ["variables", "fileinto"];
set :lower "box" "MiXeD";
set :upperfirst "second" "folder";
fileinto "${box}.${second}";
