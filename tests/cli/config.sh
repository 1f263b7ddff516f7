# config.sh — `gantrain config`: the key list and config errors at the CLI.
expect config_list 0 "optim.lr +\(float, default '2e-4'\)" -- "$G" config --list
expect config_list_enum 0 "one of: ns\|mm\|ls\|wgan\|wgan-gp\|began" -- "$G" config --list
printf '[optim]\nlr = 0.001\n' > ok.ini
expect config_resolved 0 "^lr = 0.001" -- "$G" config ok.ini
expect config_resolved_origin 0 "ok.ini:2" -- "$G" config ok.ini
expect config_set 0 "^batch_size = 7" -- "$G" config ok.ini --set train.batch_size=7
printf '[optim]\nlrr = 0.001\n' > typo.ini
expect config_typo 2 "typo.ini:2: unknown key 'lrr' in \[optim\] \(did you mean 'optim.lr'\?\)" -- "$G" config typo.ini
printf '[train]\nbatch_size = -3\n' > range.ini
expect config_range 2 "range.ini:2: train.batch_size: -3 is out of range" -- "$G" config range.ini
expect config_missing 2 "nope.ini: cannot open config" -- "$G" config nope.ini
expect config_bad_set 2 "expected section.key=value" -- "$G" config ok.ini --set lr
expect config_preset_applied 0 "^arch = dcgan32" -- "$G" config "$ROOT/configs/dcgan_fashion.ini"
