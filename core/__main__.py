from jiuzhu.cli import main

main()
