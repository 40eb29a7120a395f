attach database :path as src
