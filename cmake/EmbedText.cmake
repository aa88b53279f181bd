# Script mode: writes a C header holding a text file as a NUL-terminated byte array.
#   cmake -DIN=<file> -DOUT=<header> -DNAME=<identifier> -P EmbedText.cmake
# Used for the guest's Python runtime files, so they stay real .py files in the repository.
file(READ "${IN}" _hex HEX)
string(LENGTH "${_hex}" _hex_len)
math(EXPR _size "${_hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _bytes "${_hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)"
       "\\1\n" _bytes "${_bytes}")
file(WRITE "${OUT}.tmp"
  "/* Generated from ${IN} by cmake/EmbedText.cmake; do not edit. */\n"
  "static const unsigned char ${NAME}[] = {\n${_bytes}0x00};\n"
  "static const unsigned long ${NAME}_len = ${_size};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
