if true {
  filein "x";
}
