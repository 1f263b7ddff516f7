/* stb_impl.c — the single translation unit holding stb_image and
 * stb_image_write (Debian's libstb-dev), built without -Werror. */
#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
