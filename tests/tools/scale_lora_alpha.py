# Scales every `.alpha` of a kohya LoRA safetensors file, so that weight 1 applies the given
# strength: how the demo model's LCM-LoRA got its strength of 0.9 (docs/fast-drafts.md).
# usage: python3 scale_lora_alpha.py IN.safetensors OUT.safetensors FACTOR "NOTE"
# Standard library only; the tensor data are copied unchanged, only the F32 alphas change.
import json, struct, sys
src, dst, factor, note = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
data = open(src, 'rb').read()
n = struct.unpack('<Q', data[:8])[0]
header = json.loads(data[8:8 + n])
body = bytearray(data[8 + n:])
count = 0
for key, info in header.items():
    if key == '__metadata__' or not key.endswith('.alpha'):
        continue
    assert info['dtype'] == 'F32' and info['shape'] == [], (key, info)
    a, b = info['data_offsets']
    value = struct.unpack('<f', body[a:b])[0]
    body[a:b] = struct.pack('<f', value * factor)
    count += 1
meta = header.setdefault('__metadata__', {})
meta['ss_network_alpha'] = str(float(meta.get('ss_network_alpha', '0')) * factor)
meta['deadiff_lcm'] = meta.get('deadiff_lcm', '') + '; ' + note
raw = json.dumps(header, separators=(',', ':')).encode()
raw += b' ' * ((8 - len(raw) % 8) % 8)
open(dst, 'wb').write(struct.pack('<Q', len(raw)) + raw + bytes(body))
print('scaled', count, 'alphas by', factor)
