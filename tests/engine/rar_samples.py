"""Real RAR archives, for the "recognised, not supported" path (RAR cannot be written with free tools).

Copied byte for byte from the test fixtures of rarfile by Marko Kreen (https://github.com/markokr/rarfile,
``test/files/``, commit 36ecdb7bf5197e80cd96e01aa4c4776de3246aad), made with WinRAR/rar by its author, under the
ISC licence:

    Copyright (c) 2005-2026 Marko Kreen <markokr@gmail.com>

    Permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby
    granted, provided that the above copyright notice and this permission notice appear in all copies.

    THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES WITH REGARD TO THIS SOFTWARE INCLUDING
    ALL IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY SPECIAL,
    DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS,
    WHETHER IN AN ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF OR IN CONNECTION WITH THE
    USE OR PERFORMANCE OF THIS SOFTWARE.

What rarfile's dump (``.exp`` files beside them) says they hold: rar3-solid / rar5-solid: stest1.txt, stest2.txt
(2,048 bytes each, solid); rar3-comment-psw: file1.txt, file2.txt encrypted, headers in clear; rar3-comment-hpsw:
the same with encrypted headers; rar5-psw: stest1.txt, stest2.txt encrypted (AES-256), headers in clear;
rar5-hpsw: the same with encrypted headers.
"""

from __future__ import annotations

import base64

SAMPLES = {
    "rar3-solid.rar": base64.b64decode(
        "UmFyIRoHADvQcwgADQAAAAAAAAArNHSAkCwAXAAAAAAIAAADoua3xbBmzD4dMwoApIEAAHN0ZXN0MS50eHQAwBEMzP6MnrD+MYGr"
        "rLG7QHeoCmTWSzeDwQe8AeCFku77th0ACCAACIjpeAzSDAdhOkF4S7Nun1IK2sonQLrnC2SKYnH7uACRnlAv2FX/+sZY6+vE14h+"
        "VJaHH03s2RZ0kJAsAA4AAAAACAAAA6Lmt8WwZsw+HTMKAKSBAABzdGVzdDIudHh0AMCxIACIB+vyCmn6/JTe0MQ9ewBABwA="
    ),
    "rar5-solid.rar": base64.b64decode(
        "UmFyIRoHAQAJ78hvCwEFBwQGAQGAgIAA3vVwchwCAroABIAQtoMCoua3xYAbAQpzdGVzdDEudHh0waw3REQj+iP2l/1iU1G+TJGB"
        "QQKMwQN5XL9Ho6otoDaT3aBYAEACANRQBHb2xH8y6p8ypcTM14PfABDoLYkcAgKNAASAELaDAqLmt8XAGwEKc3Rlc3QyLnR4dEUV"
        "CmABAAgD37f79vwdd1ZRAwUEAA=="
    ),
    "rar3-comment-psw.rar": base64.b64decode(
        "UmFyIRoHAM+QcwAADQAAAAAAAADSmXoAgCMAFgAAAAsAAAADvFDsdQAAAAAdMwMAAAAAAENNVAwAi+zL9lbBSCmPAOW/5v/w0Gtq"
        "dnpt1nQklDMAEAAAAAAAAAADAAAAAGxQYj0dMwkApIEAAGZpbGUxLnR4dLMOLwEQH2W9AMDh8N4nMZ14bG1Nam0XgBynQZl6EIAj"
        "ABYAAAALAAAAA0g/bxAAAAAAHTMDAAAAAIBDTVQMAIvsy/Y2kFYseA8mb83/7NSLl8K9FLx0JJQzABAAAAAAAAAAAwAAAABsUGI9"
        "HTMJAKSBAABmaWxlMi50eHSzDi8BEB9lvQDA4fDeJzGdeGxtTWptF4Acp3ygehCAIwAWAAAACwAAAAOmkNoCAAAAAB0zAwAAAACA"
        "Q01UEBDL7Inkc0FIsM/ZJxfi/uuBj1cq9MQ9ewBABwA="
    ),
    "rar3-comment-hpsw.rar": base64.b64decode(
        "UmFyIRoHAM6Zc4AADQAAAAAAAACY1Tq5m8CEetYBvlQkcAN6cyEpKUCXohc1cprF8D3HQC5hCrn2MVuFgqTv/LM+JOWSkOKBJtX2"
        "wmRB7i77ioOPQi4iqlBdTFwQcuX7mT93DVrpSjrY7wkbmNU6uZvAhHrgk6bgBhhZgRckD0gYRCZWzW3Il1n5yk+V/eyFQeD/gRUK"
        "0PH1FYhqgwo0Dt/+cVtpBmRzjL/o9eJZbr4WjZ26d1KB1TV7gf0yMPF0Xp0orZjVOrmbwIR6dIy81NU11D/kThYdYR8m0/Q0386I"
        "NhTRDFu591U24qTRWsmoeCTTV7Pbytd0QmK/KTvemhS0e7+CD3hh8RGhLlmOAwyqyYLM0lkh0Q0nU8mY1Tq5m8CEeiFJy/Kkf8qh"
        "7lpaFqOduVm4qHdRd4RikUFNk+MW3RDETPeZFQgxvtea461h2iBZTsc5KJPBOCQP5YLdUag94813UoHVNXuB/TIw8XRenSitmNU6"
        "uZvAhHr+K+c+7BoP0loh9TTiLQXDBNQmWBgpFMkwbcxZPeTL7ukZoSK0czQe+YMmTw3TTWZnvwax5cWy7HR9RC6q8ilw79Adzh03"
        "/BChsuTURg7LHJjVOrmbwIR6Lp7OhWfY9IXm3WrcZPa2fA=="
    ),
    "rar5-psw.rar": base64.b64decode(
        "UmFyIRoHAQDz4YLrCwEFBwAGAQGAgIAA1maebhMDAp8ABJ8AACJDfqmAAAEDQ01UUkFSNSBhcmNoaXZlIC0gbm9oZHItcGFzc3dv"
        "cmQKAJib2Y5ZAgM8wAAEgBCkgwLq7ii6gAMBCnN0ZXN0MS50eHQwAQADD36YLN0a4hw2x6OR2o0IimigOq0m9IJ7h9VMclznO2ln"
        "gVHP9jZJwW4YaiIPCgMCgMwgl+YozAFvXOSKu4lkW22a9BUVMg/KTEgfLmj8fkUbh1+PPsmRIRwPkcBeDl2ssikAolPsTaFiZXO/"
        "K9VBSFSBmxJSN991gzr80GkCA0yAEASAEKSDAuruKLqAAAEKc3Rlc3QyLnR4dDABAAMPfpgs3RriHDbHo5HajQiKaN+D+gzYboi4"
        "tvhRRn15SdKBUc/2NknBbhhqIg8aAw6AzCCX5ijMAYAW4xIKtNEBgHBFFQq00QFJ0Rg4cbziZUNXpSVodpqNzcGF0zApOoi/Z5yI"
        "DtqpYBOczY75rzda9tBj5Od7CS8YnvyhckMbjxGbfkhAf1GRHQwF0y9hsZFUbS8EHWH+5o7FCxNwCK92rTKdNZuqGodC3zEs9e0p"
        "2yrfgMQKXLwS7ZkG+YMxbzwlfYN6vXc1Z4yFdcxDDnmeyIHG7JNoxlawEtgiQfDFhMbAysxIayz63U+peiDhZqsSjG8D/CRYIuAC"
        "xZdPD9/h4teHcvCHfdwGm8em2c1w+kHIB/iwwTlbijb7yOxf9yRBkQoFh5aIu3NCObwScRaTN2Gut668RyCCDtfnBgvxekMV37eh"
        "Vaekm5v/HyCIxXS2Y3vRbSDSKxgTA1HFZwxORH8OSJF0wank9IRhcdXr9PmEUn7lu4LID1rXyx5EbBaFyR7ngT9AkgQx7cwt2yFJ"
        "Kgx8y1Z9/3vXNNKDQmBdZxD6G+JD+oycEbitAFp6rZMxD5zAyaQSCTmDYOoH6Lfx+V5jsxINOndMhvJCBeYmJx5PlGXaThkhEIYK"
        "uV3zi2qLG1jT5cZ7KfjA7iPTiWo7o/Fx1p0QmuXRelJtvYhUXanI9F+7O3Nu47ZSqrYNqRuNAIDDiI50kGR4O2cSU7ea/PZ8qiHR"
        "gR53QL3gs+jgL78ELlJTuQQjRP3P7rekaqNwIE21YacQ79V9xTntLUq0s+BAnCVV8t6GpmhqWCqvAdSb/Fdu0ot8pHQZ1wmbK5kh"
        "x7RvaSyq/Ct5UTutp+QLVckbf0ZQ1Bm1wmo5rav72fL0cypxwmSi1fpQwgZ97fKvCZ5b7umuE6a7Bh7i1KBp6bPdy8n4nWfDoWPy"
        "JlNbNiaJBHrVX6YniBDgb3WMswOKxLRRAu1yhRaaWlPWUN1EL3MrnmatY9BHskzD/lP66MhOgZnLbCGOKf8e1PGqsrb+QbJEbLpq"
        "0MmFPCSxT+GDnM7XLEmJguKZBfovXcMYtjJPwg0R7Yq1CASsVf/c339fal72x8k2Bgjy/M5zwiMjq7CxjDFVePxHQh7a2pbr1Lpe"
        "DRR1jhCTizLPhebjUMOnDKUr2zODHLMJrUkxDa3QN1d9UIgDKoMr3kVTB+SWgDhOVHAM0WMX1XSxojDgIr2vRAr4wdKSZ7y7UnCH"
        "BSR9HRekf5KlshYMmKLwrYCCR6UJYpcyh/hsel0jDQgedzUWPbDcAPC+BCknbd7OZDUP95q9LgQhJ3QInJNTNrvpXyakWiKnX/YL"
        "WKukxe+zNLaYIJQ6xBABFI0LqsLa4S7KCWBcgT4mgt7rOUEeTvkOxk8oEJN8ViA436kZR0YsRR3CRTcYCHxkO2nZNOvon9o/j3kf"
        "27DwAjXDWRIrEW23UL6Hk35Z1kX/zPVzwhEE3Rj4xixro2xexLA2gGGopH2hgOK3yOemXRseVRpdpucqanE6ojKjO4rzThknQgT9"
        "vXkIwSUP0D47LG87UR5LmceFYjiH/26lQBmjOkJIJ+NompoSQ2PgRXohMwqbwa252zEIIVMwmj8jkchR+Bi+CgjqsApAXgebIGy0"
        "fAORu9DcLNWaVEWFFyYmfmaHt9v87O8SyppS6BKZZuhY1nJ41O2HnHSVFXg852Snbiz7JQyOWlK4mPK+m2UjsSCqEhQCGmMTgGNf"
        "HwBuo8a6PTH1Y0PDgBa9Q/9MXvfMrKNRj/mic71/5aOaqZoHzKMgjpHwJTliO+MmX/IDLTA2C9ixFBiZfnO0N8iy/YxASNV1V0wl"
        "vHDLgh4ddjP16vNhN4el1XGkLIkdWTinE2mJ1tn8Rg2Lk2yKd52WPiFzqqf9QdqeqFSoezHSjhhNAyXZIsuRPxmGKdByG2qGPIyZ"
        "P3E+JKwg0f+ni59LGQ+kTUNnTvG0uAoA166bYQQzTOM4Bifd0DNvZb1COilHKkD4uXAy2UbD4Fn+JC6cvSXY/Icuhl4MaIgPDzFJ"
        "Ts1tVhbSW3CQ7W4NWRszSW6nVwXZ5C6uuLbhQ1tgV9UTHUh2O8jaIRdh++SAhFh6D2CLh2Wl9y1CbSigqe1dXfg3bsVd5a3fhVYr"
        "3szvn5vVDBuzJhxfWzKnNg3EI/FStxg5CLQPRC/fZlE8yfbBzP2LmGD1EUXybTUWzzG20Wjy07vvFzjz13o0bsS1BzfJe29CfQeM"
        "oF0997VJpIhrT2MxYeWM0tBYPBOER3dwn4tBO7CkwfvTgI+OsqjHTl/A7Ac7VamthyVeuVyr7+JSlv3m9SHjX1SaRFdHxt8k0R/o"
        "LQDnO69s4Qot0TqkaNdQYGhfv06rf3RiCCWjv50BF46+dDyoJVUy2qlarbbq/8njB882jXDHhF02mj5KHMvIcFTlDSr464r3tOmP"
        "GXf08aZwgqhHf8KQVvzLg+BQerTOOxPKAB6p9hmtTt0NOaYKQTRp7mNkxACZVj0i06WLrN8RTdT9Kdh+SoE/7SVhejXh3+Xe5uu1"
        "9BDGLaqfcTRao6OP5FXDYROHoGSIWTDOpYn5AxyWxE+FJqlDWjvmUNuqvgVSvWcX3dRcC4Hb4B/aEpEi65AqFt8IayCVDvxtgmdn"
        "VMNOt0n3N/PHu+fld3v4QlhwUtwHTMnKakcvdwTY3zdo4564CizImbpTgwQ7hEcfyxe7qHGYp/Fbj5C5m5AAqfw+R7bmskrZwBvg"
        "hzPVZxWOo30Pu9uT9l39iiPhiHQxRH6hNRkWQ1dmI1YEB4h1YTz23+Ma8bd2LsZ0xwTLGpG1WdcKJBcrBlJh45vKsL+6Qh13VlED"
        "BQQA"
    ),
    "rar5-hpsw.rar": base64.b64decode(
        "UmFyIRoHAQCv9WlFIQQAAAEPp5jL+1yF6lQKQtTUwocnkB0ppI/CHmPqSl9A01xS1RtNzie6O2Pyqrkm9CHVoC+wFESN1iDKe692"
        "E7oj/tITADp6Bq7WC7/KBLRbqzL3WKAEY/+0n1Vq45qZf/Krrq54+XUHy8/033enQAeu1XvNyc6qFRQg4NL7QwayUdLntINUaLyK"
        "6i3MpV9R/ugIneFvQ22aMpp5Fp8oMPqvNTpEjfenGm3IFfgitUrggiBG+AyNDsGp/9dVqewDslH5YTE07qjUp/r071FJyfPQKlci"
        "/s7TqdO9Rs6zdv6LJLeYS3mNi+znZ+cBE06vgdTlff+KPyDmd6DIYo0h519aMR6k97cKgCKE/5op/G12GA/q7UDHQEGtoMI0DBgp"
        "SVuXEIRfQQo3enVUGQzjqo+uVZQfAOkTZmFy2XiBbdGquRvCH/j3+z+Cq58N6lxq6tIxAekQP12xi+3RhffV9uEMKWxx/YZ0EzhM"
        "PUq9lGZJQwlC6JEX9anaBHs5RcqPAvSDwZ9eqApVlGOLEeg+mRX/CEFG+blKAbClBqumjNncx5EnSQsPIVzlUMpl/k4WXmp20kkq"
        "2epKu6gZLYQrvFF5bcbREIg1Nm0T7cLyrx0gPyA/NYaoXGBz164C98JZaECDnu9557U3qh8/vybI1k+J2GySnjw9oIYGrjM+Enru"
        "BwkgjHmIgLLlgYHRsKvxyqNE40fTosPneQTq6LTo4vJ1MqH6k+tdTsq6YrVaMArN/hbylAV830ur8ZFvIgv0ZgeQEgnHtZxqN3jV"
        "mT9kfPif2sOYHSBwR9wfJLVKuRTjxCdL3F00YXDrcjfXgYmBdw3TTLxaAVQItbzb+MhI611LxRpbKv2fr8N8oeWzXntFfYRwpqMG"
        "NywIOs7hSoIqiU0VYXiPUgrDTbLzA0q9Z2uy759NPGCPMwKYGcpwhAFGeuwol7u0YRe+TseWMrpLeU1RvM4rQTEjZ/SYs3KuqaFl"
        "11vRfszk8jW6IAkQBov5RAz8pHgTp2iVPc09Ri7emTPKDzmt/UNPnQTv35t+2E1IIqM05MccFTjh2Wkt3CcRxP3/YFRUDU6f5m5d"
        "DBrKcASIy8WMuSpdl9+oUIdESHQtJwifHAM93IoYNYelcQgLB5c5ZLB6gGa3Ebr5Y79km7OmEW+6M+R1HKkCsLT/w9Bt6kJRGy9j"
        "4+9hHh+9A05Yj4/Vg2ZHvzLivLgXijT+KXx9LOFjv6YucDcV2lDXQNxvqsZr8wVEyOnEUnRPfjYQokB9f6YKC2P6bOcgd/5NjY2K"
        "ptkksKyqxVt2f6lQ3HDA0XAOsH9DNGOCwZQgmWkYWvWImlFboTVA8pNGHI9QzHXmyfENvHpst1Qg4TUqADmtejFTo1T6n+69Qn62"
        "/DcRdJkjr4KJxs9nuXAOdDb3n51BP/n6xOiuG3bXkQYGV9tbGlI164sXEeSEtEFLjT4HaNXlXHxAUmysl29HSOr8sU4l7PErzE1X"
        "EqjZ+0l0h6TkOeaJ67GVXOs8h8c/xSsaHgezfBNZu+54duhGs0FDe3Cgz2+Txuxcmykxwha+xHnTH1EJ/fqqPI/41jcHnhh6ZSKQ"
        "EE5I3M0hnll2Dj0C5j2i8JsaiUrp/lORAqkwy1mGuGDxlvBltcvfvkBPLfTTEzNpvZYnzl4g70GSGvdeK8YBHA9WWTt1WJ0uW61z"
        "pu7MWzRVXAaSSongfwjuMFy6s6EzbDpv7boqItPWbKiUPoKbQg3Okr+J4sTWFzqCH4xN4CYvNX5dWaaA/nAm3PQ2FpnzMgulVxVi"
        "CfePp8s5Lokvg7O3aayMSZJsHcBsiTu/V/jpfXp+3kPXbmK0nMWULrtzsAjuuO06gARFqUQHV3kYBm3gEZcBAG4X+geZ4na4OuD8"
        "5xf1oKa3KxQvKZ+pvj/R9IMoXfgRCgZ0VM2mJgyz/seP/Z830kxMAqqGWdhAp51ghiGgs/UpMpfyU8X+Vgo/+wx1SXLrBqoBbU6G"
        "w0evnpX/irQgxNarF72hGz6TllLVzVLJYDctaX/FVvV/X9+T+60IWYRO/1FJqY8Ps758Uzxh0S3SIQM4TbDPz4Zc5OT8WPbdbtHL"
        "mHPGXN+3Z5pwhF1V/u7Xusoin4fM4iY630hLflrYrMK8SXhxyxhg7q7Q0X3ILjBWWJWW3rF2BveVyMwPazcZBtyWUPT1LUsXB8P4"
        "MqHxHkByhoD21ExqBjYjMEpLrgYP8kM/RXKUNUiCy1qBIpz2+WS+sK/igb7E3dYDoD96oEXyXkPOj9A/VbaBRU4Q6IgNdftMS42H"
        "mA7KVKt924VTU4LX5saxiIolnJLSXwyJhOACiClQ9gldP+tfzcpC2j7NIcKQzHa0o05lP12XmKlS2c372XJ7VaQBNvU+XPuFbFQx"
        "CS3WN+7SCHCZHIYugd5QEO8jYkkq4XRjEiTudn3sY0r4Z3mJJ3PBzhwSlRh/E16RieeAUz00tSG43VoIXKW7krzZtx3v+6cYVWTt"
        "NTiPY/8Fq9RZ4ngc/PeHSoQnl8Xz1LDN6JDDwZzQmCkj/9OP1tdVHj5NlPXu2PidulA8FqQgwQwF2vzwCBYRmqY7rfqW6tspcui8"
        "ZTj7K/XmTBBCACpgdBj88uFOa8PXN/7WkNs3qkkpOQqC7sjrcYK2yAYznN8gbZkPN0AkHlgH2e20NHYwOqLr4U1lUw/CCzJvzH3+"
        "R5124rQot6tw1AljcXZhYzFivtomv1K8bX1bK9AUmwoWrfYzZAKuI6mpWPEUPpM/b7JJGrxmlwJsdlgB7SwS1ADjKgNL+fW2SWK0"
        "wJoylwXdiIcXpkB0/Kz3u8bQ15OALrzPXvZKlHq7EQktlPFx8fKTLu0iQZQNn47Wak42Aiq7s5e73Pj8MV6B0C2YmWyUa3kBQRdK"
        "/kzV8g90rLltAtYT8jXXqWKdSBhoJZZJWfW05noiGQgL+JPNJSA2CWW0Iu20jRJwzitQE0sayYZ1Ijn3WCY7eshRt6xr3j8Iouo5"
        "HvRV8ej5othuKnjllXdtTmYdNS4JyndCFdR2/5unA252Xau0idSrOa7uMqg0IVhPmlfjos2KFUIqGZtgoMhWXODvhS4LGBwXYXae"
        "6ZefnEPJc/N/mhhxj7ABoQDhGEVdDOXhxT6eig3cmz6DYAm8VrObAH8bA1Ol4AM/NfAvoOCYpOoTO3TZci0pRsPbmM+FIhxPKQf+"
        "HguoL6zECAc8pX0K+dLhdkKZP4Jpz0bIg9SqYqI1+KKiY0IAC5HCq8CrlZPFay60Cfbc0+Cb+p2YfFS+zp++dM1+9Jp5U3B/9srs"
        "Bf5YFVstHqcBTcQBpDWH2x8Duu2yejkk3FT0d2711WZyFlFm5nMP57w8gXAUzeg2gqznQyuchHRwA6YAGE86+0+7A9bYeYkgIwYC"
        "3la2VdJ9ZyAJAFBygfLeShZZAmld2cg13B9+8dmyRIII8SA/BueTIw=="
    ),
}
