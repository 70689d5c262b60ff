def check(x):
    assert x > 0
    return x
