from migration_fixer.cli import main

if __name__ == "__main__":
    main()
