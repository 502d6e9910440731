require "frobnicate";
keep;
