# nothing: the implicit keep

