import MetaTrainCommands

MetaTrain.main()
