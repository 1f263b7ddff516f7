# data.sh — `gantrain data`: reports on datasets generated here, and one
# clear line with exit status 1 for every kind of bad input.
# (sourced by tests/cli.sh, which defines expect, $G and the scratch cwd)

# IDX: 3 images of 2x3 (2 rows, 3 columns), labels 0 1 2; big-endian header
mkdir -p dm dz
printf '\000\000\010\003\000\000\000\003\000\000\000\002\000\000\000\003' > dm/train-images-idx3-ubyte
printf '\000\001\002\003\004\005\006\007\010\011\012\013\014\015\016\017\020\377' >> dm/train-images-idx3-ubyte
printf '\000\000\010\001\000\000\000\003\000\001\002' > dm/train-labels-idx1-ubyte
gzip -c dm/train-images-idx3-ubyte > dz/train-images-idx3-ubyte.gz
gzip -c dm/train-labels-idx1-ubyte > dz/train-labels-idx1-ubyte.gz
printf '[data]\ndataset = mnist\npath = dm\n' > raw.ini
printf '[data]\ndataset = mnist\npath = dz\n' > gz.ini
expect data_idx_raw 0 "^count +3$" -- "$G" data raw.ini
expect data_idx_gzip 0 "dz/train-images-idx3-ubyte.gz \(gzip, [0-9]+ bytes\): 3 images 3x2" -- "$G" data gz.ini
expect data_idx_shape 0 "^sample +\[1, 2, 3\]" -- "$G" data gz.ini
expect data_idx_pixels 0 "^pixels +min -1  max 1 " -- "$G" data gz.ini
expect data_idx_classes 0 "^ +2  2 +1$" -- "$G" data gz.ini
expect data_idx_batch 0 "^batch +\[2, 1, 2, 3\] \(train.batch_size 2\): 1 batches per epoch; the last 1 samples" -- "$G" data gz.ini --set train.batch_size=2
expect data_grid 0 "^grid +grid.png: the first samples" -- "$G" data gz.ini --grid grid.png
expect data_grid_is_png 0 "PNG" -- head -c 4 grid.png
expect data_by_class 0 "one class per row" -- "$G" data gz.ini --grid byclass.png --by-class
expect data_filter 0 "classes kept: 0 1 \(was 1\)" -- "$G" data gz.ini --set data.classes=1

# bad IDX files
mkdir -p magic trunc count crc
cp dm/train-labels-idx1-ubyte magic/train-images-idx3-ubyte
cp dm/train-labels-idx1-ubyte magic/
printf '[data]\ndataset = mnist\npath = magic\n' > magic.ini
expect data_bad_magic 1 "magic/train-images-idx3-ubyte: not an IDX image file: magic 0x00000801, want 0x00000803" -- "$G" data magic.ini
head -c 30 dm/train-images-idx3-ubyte > trunc/train-images-idx3-ubyte
cp dm/train-labels-idx1-ubyte trunc/
printf '[data]\ndataset = mnist\npath = trunc\n' > trunc.ini
expect data_truncated 1 "trunc/train-images-idx3-ubyte: truncated: the header promises 3 images of 3x2 \(18 bytes of data\) but the file holds 14" -- "$G" data trunc.ini
cp dm/train-images-idx3-ubyte count/
printf '\000\000\010\001\000\000\000\002\000\001' > count/train-labels-idx1-ubyte
printf '[data]\ndataset = mnist\npath = count\n' > count.ini
expect data_count_mismatch 1 "count/train-labels-idx1-ubyte: 2 labels, but .*count/train-images-idx3-ubyte holds 3 images" -- "$G" data count.ini
cp dz/* crc/
size=$(wc -c < crc/train-images-idx3-ubyte.gz)
printf '\377\377\377\377' | dd of=crc/train-images-idx3-ubyte.gz bs=1 seek=$((size - 8)) conv=notrunc 2>/dev/null
printf '[data]\ndataset = mnist\npath = crc\n' > crc.ini
expect data_corrupt_gzip 1 "crc/train-images-idx3-ubyte.gz: corrupt gzip data \(incorrect data check\)" -- "$G" data crc.ini
printf 'garbage' > crc/train-labels-idx1-ubyte.gz
head -c 20 dz/train-images-idx3-ubyte.gz > crc/train-images-idx3-ubyte.gz
expect data_truncated_gzip 1 "crc/train-images-idx3-ubyte.gz: truncated gzip stream" -- "$G" data crc.ini
printf '[data]\ndataset = mnist\npath = nowhere\n' > missing.ini
expect data_missing_path 1 "nowhere: no such directory \(the mnist dataset\); run scripts/fetch-data.sh mnist" -- "$G" data missing.ini
printf '[data]\ndataset = cifar10\n' > cifar_default.ini
expect data_missing_default 1 "data/cifar10: no such directory .*scripts/fetch-data.sh cifar10" -- "$G" data cifar_default.ini

# CIFAR-10: records of zeros (label 0, black) are valid
mkdir -p cf
for b in 1 2 3 4 5; do head -c 6146 /dev/zero > cf/data_batch_$b.bin; done
head -c 3073 /dev/zero > cf/test_batch.bin
printf '[data]\ndataset = cifar10\npath = cf\n' > cf.ini
expect data_cifar_ok 0 "^ +0  airplane +10$" -- "$G" data cf.ini
expect data_cifar_rgb 0 "channel means  R -1.0000  G -1.0000  B -1.0000" -- "$G" data cf.ini
expect data_unknown_class 1 "gantrain: --set data.classes: unknown class 'dgo' in cifar10 \(did you mean 'dog'\?\)" -- "$G" data cf.ini --set "data.classes=dog, dgo"
printf '[data]\ndataset = cifar10\npath = cf\nclasses = 3, horse, ariplane\n' > cls.ini
expect data_unknown_class_file 1 "cls.ini:4: data.classes: unknown class 'ariplane' in cifar10 \(did you mean 'airplane'\?\); classes are: airplane, automobile" -- "$G" data cls.ini
head -c 3000 /dev/zero > cf/data_batch_4.bin
expect data_cifar_truncated 1 "cf/data_batch_4.bin: 3000 bytes is not a whole number of 3073-byte records" -- "$G" data cf.ini

# toy2d, and its scatter plot, which also serves as a PNG for the folder tests
printf '[data]\ndataset = toy2d\ntoy = 25gaussians\ntoy_n = 2000\n' > toy.ini
expect data_toy 0 "^count +2000$" -- "$G" data toy.ini
expect data_toy_grid 0 "scatter plot of the first 2000 points" -- "$G" data toy.ini --grid img/a.png
mkdir -p img/sub
"$G" data toy.ini --set data.toy=wing --grid img/sub/b.png > /dev/null 2>&1
printf '[data]\ndataset = folder\npath = img\ncache = cache\nimage_size = 32\n' > folder.ini
expect data_folder_built 0 "cache cache/folder-img-[0-9a-f]+.gtcache: built \(no cache yet" -- "$G" data folder.ini
expect data_folder_hit 0 "cache cache/folder-img-[0-9a-f]+.gtcache: hit \(2 images" -- "$G" data folder.ini
expect data_folder_shape 0 "^sample +\[3, 32, 32\]" -- "$G" data folder.ini
for f in cache/*.gtcache; do printf 'XXXX' | dd of="$f" bs=1 seek=$(($(wc -c < "$f") - 100)) conv=notrunc 2>/dev/null; done
expect data_folder_corrupt 0 "corrupt, rebuilt \(pixel checksum mismatch" -- "$G" data folder.ini
expect data_folder_subclass 0 "^ +0  sub +1$" -- "$G" data folder.ini --set data.folder_classes=true
mkdir -p empty/sub
printf '[data]\ndataset = folder\npath = empty\n' > empty.ini
expect data_empty_folder 1 "empty: no JPEG or PNG images found \(searched recursively\)" -- "$G" data empty.ini
mkdir -p undec
printf 'not an image' > undec/a.jpg
printf '[data]\ndataset = folder\npath = undec\ncache = none\n' > undec.ini
expect data_undecodable 1 "undec/a.jpg: cannot decode image" -- "$G" data undec.ini
mkdir -p zero
cp img/a.png zero/a.png
: > zero/b.png
printf '[data]\ndataset = folder\npath = zero\nimage_size = 8\n' > zero.ini
expect data_zero_size 1 "zero/b.png: empty file \(0 bytes\)" -- "$G" data zero.ini

# config and usage mistakes are exit 2
printf '[data]\ndataset = mnist\nchannels = 2\n' > ch.ini
expect data_bad_channels 2 "ch.ini:3: data.channels: '2' is not one of 0\|1\|3" -- "$G" data ch.ini
expect data_no_config 2 "usage: gantrain data CONFIG.ini" -- "$G" data
expect data_bad_option 2 "unknown option --gird" -- "$G" data gz.ini --gird x.png
expect data_help 0 "--by-class" -- "$G" data --help
