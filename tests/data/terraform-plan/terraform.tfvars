unset = "zz"
