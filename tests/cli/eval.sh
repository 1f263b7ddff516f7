# eval.sh — `gantrain classifier` and `gantrain eval` end to end on a tiny
# generated dataset: a classifier trained for one epoch, a DCGAN trained for
# two steps, the table, eval.jsonl, a sample folder that scores like the
# checkpoint it came from, .npz statistics, and one clear error for every
# kind of bad input.
# (sourced by tests/cli.sh, which defines expect, $G and the scratch cwd)

# 60 training and 30 test images of 28x28 noise, labels 0..9, as IDX files
mkdir -p ev
{ printf '\000\000\010\003\000\000\000\074\000\000\000\034\000\000\000\034'; head -c $((60 * 784)) /dev/urandom; } > ev/train-images-idx3-ubyte
{ printf '\000\000\010\001\000\000\000\074'; for i in 0 1 2 3 4 5; do printf '\000\001\002\003\004\005\006\007\010\011'; done; } > ev/train-labels-idx1-ubyte
{ printf '\000\000\010\003\000\000\000\036\000\000\000\034\000\000\000\034'; head -c $((30 * 784)) /dev/urandom; } > ev/t10k-images-idx3-ubyte
{ printf '\000\000\010\001\000\000\000\036'; for i in 0 1 2; do printf '\000\001\002\003\004\005\006\007\010\011'; done; } > ev/t10k-labels-idx1-ubyte

# a tiny DCGAN run on it (28x28 -> 32x32 by the preset)
printf '[model]\npreset = dcgan\ng_width = 16\nd_width = 4\n[data]\ndataset = mnist\npath = ev\n[train]\nsteps = 2\nbatch_size = 8\nprogress = none\n' > evgan.ini
"$G" train evgan.ini --out run_ev > /dev/null 2>&1
small='--set eval.kid_subsets=5 --set eval.kid_subset_size=20'

# before any classifier exists here: the default weights are missing
expect eval_missing_classifier 1 "data/classifier_mnist.gtck: no such file; train a classifier with .gantrain classifier CONFIG.ini." -- "$G" eval run_ev --features classifier --n 20
expect eval_missing_inception 1 "no FID Inception-v3 weights: neither data/pt_inception-2015-12-05-6726825d.pth nor data/pt_inception-2015-12-05.npz exists.  They are not shipped: .scripts/fetch-data.sh inception. downloads" -- "$G" eval run_ev --features inception --n 20
expect eval_missing_inception_file 1 "nope.pth: no such file.  The FID Inception-v3 weights are not shipped: .scripts/fetch-data.sh inception. downloads pytorch-fid's pt_inception-2015-12-05-6726825d.pth" -- "$G" eval run_ev --features inception --weights nope.pth --n 20

# the classifier
printf '[data]\ndataset = mnist\npath = ev\n[eval]\nclassifier_epochs = 1\nclassifier_width = 4\nclassifier_fc = 8\nclassifier_batch_size = 16\n' > evc.ini
expect eval_classifier_trains 0 "^test acc +[0-9.]+% of 30 test images \(aim for evaluation: >= 99%, (met|NOT met)\)" -- "$G" classifier evc.ini --out evc.gtck
expect eval_classifier_epoch_line 0 "^epoch 1/1  loss [0-9.]+  train accuracy" -- "$G" classifier evc.ini --out evc2.gtck
expect eval_classifier_per_class 0 "^   9  9 +[0-9.]+%  \([0-9]+/3\)$" -- "$G" classifier evc.ini --out evc2.gtck
expect eval_classifier_metadata 0 "kind +\"classifier\"" -- "$G" info evc.gtck
expect eval_classifier_accuracy_stored 0 "test_accuracy +0?\.?[0-9]" -- "$G" info evc.gtck
expect eval_classifier_default_out 0 "data/classifier_mnist.gtck \([0-9.]+ MB\)" -- "$G" classifier evc.ini
printf '[data]\ndataset = folder\npath = run_ev/samples\ncache = none\n' > evunl.ini
expect eval_classifier_unlabelled 2 "the classifier needs labelled data with 2 or more classes \(folder: set data.folder_classes = true\)" -- "$G" classifier evunl.ini
expect eval_classifier_usage 2 "usage: gantrain classifier CONFIG.ini" -- "$G" classifier
expect eval_classifier_bad_epochs 2 "--epochs wants a count" -- "$G" classifier evc.ini --epochs zero
expect eval_classifier_help 0 "--out FILE.gtck" -- "$G" classifier --help

# eval of the run: table, eval.jsonl
expect eval_run_table 0 "^FID +[0-9]+\.[0-9]{4}$" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics all $small
expect eval_run_lines 0 "^generated +run_ev/ckpt/last \(step_0000002.gtck, step 2\): 40 images 1x32x32 generated with seed 1, batch norm on each generated batch of 8, rounded to 8 bits" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics is --jsonl none
expect eval_run_real 0 "^real +mnist train split: 40 of 60 images 1x32x32 \(the first of a shuffle seeded with 0\)" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics kid $small --jsonl none
expect eval_run_resize 0 "all images resized 32x32 -> 28x28 \(area\)" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics kid $small --jsonl none
expect eval_run_all_metrics 0 "^coverage +[0-9.]+$" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics all $small --jsonl none
expect eval_run_kid_std 0 "^KID +-?[0-9.]+ \+- [0-9.]+  \(5 subsets of 20\)$" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics kid $small --jsonl none
expect eval_jsonl_one_line 0 "^1$" -- sh -c "wc -l < run_ev/eval.jsonl | tr -d ' '"
expect eval_jsonl_fields 0 "\"step\": 2, \"real\": \"mnist train\", \"n\": 40, \"n_real\": 40, \"seed\": 1, \"features\": \"classifier\", \"weights\": \"evc.gtck\", \"dim\": 8, \"adapt\": \"resized 32x32 -> 28x28 \(area\)\", \"fid\": [0-9.e-]+, \"is\": [0-9.e-]+, \"is_std\": [0-9.e-]+, \"is_splits\": 10, \"kid\": -?[0-9.e-]+, \"kid_std\": [0-9.e-]+, \"kid_subsets\": 5, \"kid_subset_size\": 20, \"precision\": [0-9.e-]+, \"recall\": [0-9.e-]+, \"f1\": [0-9.e-]+, \"pr_k\": 3, \"density\": [0-9.e-]+, \"coverage\": [0-9.e-]+, \"dc_k\": 5, \"seconds\": [0-9.e-]+\}$" -- cat run_ev/eval.jsonl
expect eval_jsonl_time 0 "^\{\"time\": \"20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\", \"ckpt\": \"/.*/run_ev/ckpt/step_0000002.gtck\"" -- cat run_ev/eval.jsonl
expect eval_json_stdout 0 "^\{\"time\": .*\"is\": " -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics is --json --jsonl none
expect eval_cache_hit 0 "^real cache +data/cache/eval-mnist-train-classifier-n40-[0-9a-f]{8}.gtck \(hit\)$" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics fid --jsonl none
expect eval_cache_npz 0 "eval-mnist-train-classifier-n40-[0-9a-f]{8}.npz" -- ls data/cache

# a folder of the same samples scores as the checkpoint did
"$G" sample run_ev --n 40 --dir ev_fakes > /dev/null 2>&1
"$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics fid,pr --jsonl none > ev_a.txt 2>/dev/null
"$G" eval --fake ev_fakes --real run_ev --features classifier --weights evc.gtck --n 40 --metrics fid,pr > ev_b.txt 2>/dev/null
expect eval_folder_lines 0 "^evaluated +folder ev_fakes: all 40 images 3x32x32" -- cat ev_b.txt
expect eval_folder_matches_checkpoint 0 "same" -- sh -c "a=\$(grep -E '^(FID|precision|recall)' ev_a.txt); b=\$(grep -E '^(FID|precision|recall)' ev_b.txt); [ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ] && echo same"

# statistics files: written as pytorch-fid writes them, read back as --real
expect eval_save_stats 0 "^stats +ev_fake.npz" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics fid --save-stats ev_fake.npz --save-real-stats ev_real.npz --jsonl none
expect eval_stats_real 0 "^real +ev_real.npz: precomputed statistics \(mu, sigma\) of 8-d features" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics fid --real ev_real.npz --jsonl none
"$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics fid --real ev_real.npz --jsonl none > ev_c.txt 2>/dev/null
expect eval_stats_same_fid 0 "same" -- sh -c "a=\$(grep ^FID ev_a.txt); b=\$(grep ^FID ev_c.txt); [ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ] && echo same"
expect eval_stats_only 0 "^real +\(none: statistics only\)" -- "$G" eval --fake ev_fakes --features classifier --weights evc.gtck --metrics fid --save-stats ev_only.npz
expect eval_stats_need_images 1 "KID/PR/DC need the real images' features, and --real ev_real.npz holds only statistics" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 40 --metrics fid,kid --real ev_real.npz --jsonl none
"$G" classifier evc.ini --out evc12.gtck --set eval.classifier_fc=12 > /dev/null 2>&1
expect eval_stats_wrong_dim 2 "ev_real.npz: statistics of 8-d features, but the classifier gives 12" -- "$G" eval run_ev --features classifier --weights evc12.gtck --n 40 --metrics fid --real ev_real.npz --jsonl none

# IS of real images needs no reference
expect eval_is_real 0 "^IS +[0-9.]+ \+- [0-9.]+  \(10 splits\)$" -- "$G" eval --fake evc.ini --features classifier --weights evc.gtck --metrics is --n 30

# bad input
expect eval_n_below_dim 1 "FID needs more images than feature dimensions \(5 evaluated, 5 real, 8 features\): the covariance would be singular; use --n 9 or more" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 5 --metrics fid,kid,pr --jsonl none
expect eval_n_below_dim_kid 1 "^KID +-?[0-9.]+ \+- " -- "$G" eval run_ev --features classifier --weights evc.gtck --n 5 --metrics fid,kid,pr --jsonl none --set eval.kid_subset_size=5
expect eval_kid_subset_above_n 1 "KID: eval.kid_subset_size = 1000 is larger than the 5 evaluated images; use --set eval.kid_subset_size=5 or less, or evaluate more images \(--n\)" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 5 --metrics fid,kid,pr --jsonl none
expect eval_n_below_dim_pr 1 "^precision +[0-9.]+  \(k = 3\)" -- "$G" eval run_ev --features classifier --weights evc.gtck --n 5 --metrics fid,kid,pr --jsonl none
expect eval_gan_as_weights 1 "run_ev/ckpt/last: not a classifier checkpoint \(a GAN checkpoint\)" -- "$G" eval run_ev --features classifier --weights run_ev/ckpt/last --n 20
expect eval_pth_other_network 1 "pth_small_zip.pth: not the FID Inception-v3 of pytorch-fid: 10 tensors are not part of it \(the first: 'conv.weight'\); 472 of its 472 tensors are missing" -- "$G" eval run_ev --features inception --weights "$ROOT/tests/fixtures/pth_small_zip.pth" --n 20
expect eval_pth_bad_opcode 1 "pth_bad_opcode.pth: data.pkl: pickle opcode EMPTY_SET \(0x8f\) at byte 166 is not supported" -- "$G" eval run_ev --features inception --weights "$ROOT/tests/fixtures/pth_bad_opcode.pth" --n 20
head -c 1500 "$ROOT/tests/fixtures/pth_small_legacy.pth" > ev_trunc.pth
expect eval_pth_truncated 1 "ev_trunc.pth: truncated: storage '[0-9]+' needs [0-9]+ bytes at byte [0-9]+, the file ends at 1500" -- "$G" eval run_ev --features inception --weights ev_trunc.pth --n 20
expect eval_pth_wrong_dtype 1 "pth_inc_dtype.pth: tensor 'Conv2d_1a_3x3.conv.weight' is float64; the FID Inception-v3 weights are float32" -- "$G" eval run_ev --features inception --weights "$ROOT/tests/fixtures/pth_inc_dtype.pth" --n 20
# the default weights: pytorch-fid's file in data/, else the converter's .npz
mkdir -p data
cp "$ROOT/tests/fixtures/npz_savez.npz" data/pt_inception-2015-12-05.npz
expect eval_default_inception_npz 1 "data/pt_inception-2015-12-05.npz: no tensor 'Conv2d_1a_3x3.conv.weight'" -- "$G" eval run_ev --features inception --n 20
cp "$ROOT/tests/fixtures/pth_small_zip.pth" data/pt_inception-2015-12-05-6726825d.pth
expect eval_default_inception_pth_first 1 "data/pt_inception-2015-12-05-6726825d.pth: not the FID Inception-v3 of pytorch-fid" -- "$G" eval run_ev --features inception --n 20
rm -f data/pt_inception-2015-12-05.npz data/pt_inception-2015-12-05-6726825d.pth
expect eval_npz_as_inception 1 "ev_fake.npz: no tensor 'Conv2d_1a_3x3.conv.weight'; this is not the output of scripts/convert-inception.py" -- "$G" eval run_ev --features inception --weights ev_fake.npz --n 20
mkdir -p ev_bad
cp ev_fakes/000000.png ev_bad/
printf 'not an image' > ev_bad/000001.png
expect eval_unreadable_image 1 "ev_bad/000001.png: cannot decode image" -- "$G" eval --fake ev_bad --real run_ev --features classifier --weights evc.gtck
expect eval_bad_real 2 "--real 'fashoin-mnist': not a directory, checkpoint, .ini, .npz or dataset name" -- "$G" eval run_ev --real fashoin-mnist --features classifier --weights evc.gtck
expect eval_bad_split 2 "--real 'mnist:valid'" -- "$G" eval run_ev --real mnist:valid --features classifier --weights evc.gtck
expect eval_bad_metric 2 "--metrics: unknown metric 'fdi'" -- "$G" eval run_ev --metrics fdi
expect eval_bad_features 2 "--features is inception or classifier, got 'vgg'" -- "$G" eval run_ev --features vgg
expect eval_bad_n 2 "--n wants a count of images" -- "$G" eval run_ev --n lots
expect eval_no_target 2 "usage: gantrain eval RUN_OR_CKPT" -- "$G" eval
expect eval_not_a_run 2 "ev: not a run directory \(no ckpt/last\) or a .gtck checkpoint" -- "$G" eval ev
expect eval_fake_needs_real 2 "needs --real SPEC to compare with" -- "$G" eval --fake ev_fakes --features classifier --weights evc.gtck
expect eval_unknown_option 2 "unknown option --nn" -- "$G" eval run_ev --nn 3
expect eval_help 0 "--fake SPEC" -- "$G" eval --help
